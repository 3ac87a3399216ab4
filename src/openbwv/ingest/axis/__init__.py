"""The Axis Body Worn Content Destination API: an Axis body worn system uploads through it.

The protocol is a subset of OpenStack Swift (see `docs/axis.md` and the specification in
`specs/axis-body-worn-content-destination-api.md`). `swift` and `views` are the HTTP layer;
`queries` holds every read and `service` the audited actions (sign-in, container and entity
writes, connection files); `recordings`, `clips`, `sidecars` and `apply` turn containers and
objects into evidence; `crypto` handles the end-to-end encryption; `client` speaks the protocol
as a body worn system does.
"""
