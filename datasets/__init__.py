"""Loaders for the datasets the baseline models are trained and checked on (CIFAR-10, NusaX)."""
