"""The release of this package (read by the build, the CLI, the OpenAPI document and the banner)."""

VERSION = "0.1.0"
