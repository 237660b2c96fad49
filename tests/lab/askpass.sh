#!/bin/sh
# SSH_ASKPASS hook for the selftest's password logins: prints the password
# file named by LAB_ASKPASS_FILE, so no password is ever on a command line.
exec cat "$LAB_ASKPASS_FILE"
