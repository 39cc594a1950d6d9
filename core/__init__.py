"""Small helpers shared by every app: no models, no imports of the apps above it."""
