"""The perception gap (internal to the vendor): what the vendor believes the client's priorities
and value rating are, next to what the client stated."""
