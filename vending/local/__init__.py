"""The local AWS emulator (moto on 127.0.0.1) and the demo that runs the whole flow against it."""
