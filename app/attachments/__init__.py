"""Files on the plan's items: uploaded streamed, checked by content, stored by hash."""
