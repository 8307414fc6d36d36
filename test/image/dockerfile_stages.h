#ifndef MISC_TEST_IMAGE_DOCKERFILE_STAGES_H_
#define MISC_TEST_IMAGE_DOCKERFILE_STAGES_H_

// What a Dockerfile tells Docker to run, read the way Docker reads it, so that a test without
// a Docker engine can run the same commands and start the images' entrypoints the same way.
// Handles what misc's Dockerfile uses: `#` comments, `\` continuations, and the exec (JSON
// array) form of ENTRYPOINT and CMD.

#include <map>
#include <string>
#include <vector>

namespace misc::testing {

// One stage: the instructions from its FROM up to the next FROM.
struct DockerStage {
  std::string name;                        // After AS; empty when unnamed.
  std::string base;                        // The image after FROM.
  std::vector<std::string> runs;           // Each RUN's command, continuations joined.
  std::string copy_from_build;             // The source of `COPY --from=build <src> /`, if any.
  std::string user;                        // USER.
  std::map<std::string, std::string> env;  // Every ENV NAME=value.
  std::vector<std::string> entrypoint;     // ENTRYPOINT ["...", ...].
  std::vector<std::string> cmd;            // CMD ["...", ...].
  std::vector<int> exposed_ports;          // EXPOSE.
};

// Returns the stages of the Dockerfile at `path`, in order; empty when it cannot be read.
std::vector<DockerStage> ReadDockerStages(const std::string& path);

// Returns the stage named `name` of `stages`; fails the test and returns an empty stage when
// there is none.
DockerStage StageNamed(const std::vector<DockerStage>& stages, const std::string& name);

}  // namespace misc::testing

#endif  // MISC_TEST_IMAGE_DOCKERFILE_STAGES_H_
