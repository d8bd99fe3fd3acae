"""Development tools, outside the runtime path: the synthetic sample generator (`kp-convert sample`)."""
