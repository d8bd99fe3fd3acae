"""Planning a manual conversion (pure) and the plan of which document files to stage."""
