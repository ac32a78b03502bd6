"""Initiatives: the vendor's proposals answering the client's priorities (vendor-owned).

A draft is internal (vendor only); proposing it shares it with the client, who accepts,
declines or parks it with a reason. A declined or parked initiative may be revised and proposed
again; a shared initiative never goes back to draft.
"""
