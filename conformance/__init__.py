"""Conformance suite: the golden case catalogue, its capture from Keras, and the manifest."""
