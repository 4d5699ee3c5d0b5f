"""Stores: one abstract interface per aggregate, implementations chosen by URI scheme."""
