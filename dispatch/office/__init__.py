"""The office's work: intake of requests, call lists, planning stored days, staff access, Law 25."""
