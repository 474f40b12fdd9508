"""Data Docs post-processing: make GX Data Docs sites work offline (no CDN or S3 loads)."""

from expectations.gx.data_docs.offline import (
    OfflineReport,
    RemoteReference,
    RemoteResourceError,
    find_remote_loads,
    local_site_dirs,
    make_page_offline,
    make_site_offline,
)

__all__ = [
    "OfflineReport",
    "RemoteReference",
    "RemoteResourceError",
    "find_remote_loads",
    "local_site_dirs",
    "make_page_offline",
    "make_site_offline",
]
