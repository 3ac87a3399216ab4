"""Speech technology (an adapter, like `media` and `storage`): speech-to-text engines behind one
interface, the packaged model they load, and the PII detector that proposes words to redact.
It imports no domain."""
