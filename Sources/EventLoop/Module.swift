// Placeholder: this module is being written (see docs/architecture.md).
