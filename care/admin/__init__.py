from care.admin import continuity, feedback, groups, help, peers, waiting  # noqa: F401
