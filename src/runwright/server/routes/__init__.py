"""Routers, one module per MLflow resource."""
