// Anchor for the shared precompiled torch header; see MarionetteTargets.cmake.
