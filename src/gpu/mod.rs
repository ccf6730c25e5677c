//! GPU path (in progress).
