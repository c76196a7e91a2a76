"""One SpeechBrain ``Brain`` subclass per stage family."""
