"""Phone call flows (voicemail, wake-up, parking, conference), one folder per flow,
driven through the ESL session seam. Arrives with the ESL issue."""
