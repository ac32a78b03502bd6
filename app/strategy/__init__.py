"""The client's strategy (client-owned): goals with a time horizon, strategic drivers, what top
management focuses on, challenges, what success looks like, and the client's advice to the
vendor ("what you need to do to succeed with us", shown with the perceived value)."""
