"""The JSON API at ``/api/v1``: a sub-application authenticated by personal access tokens."""
