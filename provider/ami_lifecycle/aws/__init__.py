"""AWS access in layers: clients, then finder, status and waiter; the providers use only these."""
