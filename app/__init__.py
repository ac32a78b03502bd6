"""Jointplan: the joint account planning portal."""
