"""The protocol: layout constants, resource names, write plan, release queue, reader resources, stale sweep."""
