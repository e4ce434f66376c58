// Entry module for Cloud Functions: registers the event handlers (filled in by the functions work).
export {};
