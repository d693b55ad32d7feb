"""Real servers a test session starts for itself: PostgreSQL, FreeSWITCH, switchctl serve on a
demo office.
"""
