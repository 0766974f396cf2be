// pushd browser client: the Socket.IO-compatible API arrives with the client release.
