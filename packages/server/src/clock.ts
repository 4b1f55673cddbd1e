// The server's one clock. Code under jobs/, routes/, http/ and fleet/ reads time only through the clock it
// was given (JobContext.now, AppServices.now), never Date.now (a lint rule forbids it there), so that every
// deadline and expiry is computed and compared on the same clock, and tests can drive it.
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
