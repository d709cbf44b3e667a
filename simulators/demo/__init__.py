"""The demo's data (``manage.py demo_setup``): a warehouse, a merchant, products, stock and an order of each kind,
made through the domain's services. Installed with the simulators only."""
