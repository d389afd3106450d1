// `kasane openapi`: prints the API's OpenAPI 3.1 document (api/openapi.h) to stdout, or writes
// it to --out FILE. The text (2-space indent, trailing newline) is what api/openapi.json holds;
// regenerate the committed copy with `kasane openapi --out api/openapi.json`.
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "api/openapi.h"
#include "tools/cli.h"

namespace kasane::tools {

void AddOpenApiCommand(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("openapi", "print the HTTP API's OpenAPI 3.1 document");
  auto out = std::make_shared<std::string>();
  cmd->add_option("--out", *out, "write the document to this file instead of stdout");
  SetExamples(cmd, {"kasane openapi > openapi.json", "# regenerate the committed copy",
                    "kasane openapi --out api/openapi.json"});
  cmd->callback([&ctx, out] {
    const std::string text = api::OpenApiDocument().dump(2) + "\n";
    if (out->empty()) {
      std::cout << text;
      std::cout.flush();
      if (!std::cout) Fail(ctx, IoError("openapi: could not write to stdout"));
      return;
    }
    std::ofstream file(*out, std::ios::binary | std::ios::trunc);
    file << text;
    file.close();
    if (!file) return Fail(ctx, IoError("openapi: could not write " + *out));
    std::cerr << "openapi: wrote " << *out << "\n";
  });
}

}  // namespace kasane::tools
