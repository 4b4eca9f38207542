/**
 * DCMTK 3.6.7 movescu's exit codes (`man movescu`, EXIT CODES; values from ofstd/ofexit.h and movescu.cc).
 * Users' scripts switch on these numbers, so they are part of our interface and must never change.
 */
export const EXIT_CODES = {
  // general
  NO_ERROR: 0,
  COMMANDLINE_SYNTAX_ERROR: 1,
  INSUFFICIENT_PRIVILEGES: 2,
  SETUID_FAILED: 3,
  // output file errors
  CANNOT_WRITE_OUTPUT_FILE: 40,
  INVALID_OUTPUT_DIRECTORY: 45,
  // network errors
  CANNOT_INITIALIZE_NETWORK: 60,
  CANNOT_NEGOTIATE_ASSOCIATION: 61,
  CANNOT_CREATE_ASSOC_PARAMETERS: 65,
  NO_PRESENTATION_CONTEXT: 66,
  CANNOT_CLOSE_ASSOCIATION: 67,
  CMOVE_WARNING: 68,
  CMOVE_ERROR: 69,
} as const;

