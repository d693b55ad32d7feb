"""What tests are built from: the real FreeSWITCH captures, requests and events made from them,
database faults.
"""
