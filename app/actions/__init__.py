"""Joint actions (co-owned): contributors of both sides write them; any member may own one."""
