"""Every OneWarehouse field name, in one place: the contract is our assumption (OneWarehouse's OpenAPI is not
public), so the real spec must be a change to this module (and ``auth.py``) and nowhere else.

Incoming: payload -> keyword arguments of the domain services. Outgoing: domain facts -> request bodies.
"""

# ======================================================================================================
# Incoming (OneWarehouse -> WMS): paths, envelope and payload fields
# ======================================================================================================


# ======================================================================================================
# Outgoing (WMS -> OneWarehouse): paths and bodies of the callbacks and the label request
# ======================================================================================================
