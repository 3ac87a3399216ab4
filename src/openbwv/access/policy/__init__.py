"""The access policy: permissions and roles, the principals built from them, and the rules that
decide who may do what to which evidence."""
