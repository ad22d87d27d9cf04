/* The sandbox's proxy listeners, as apply-seccomp hands them to srt
 * (--proxy-listeners): one SOCK_SEQPACKET message whose payload is the
 * ports (uint16 each, host order) and whose SCM_RIGHTS are the listening
 * TCP sockets, made in the sandbox's network namespace.  srt's proxies
 * accept on them, so a connection from inside reaches a proxy directly. */
#pragma once

#include <stddef.h>

#define LISTENERS_MAX 2

/* Receive the message on SOCK (non-blocking) and check it: exactly the N
 * ports of WANT in that order, each descriptor a listening TCP socket bound
 * to its port.  Returns LISTENERS_OK with ret_fds[0..N) (close-on-exec),
 * LISTENERS_NOT_YET, LISTENERS_NONE when the helper closed its end without
 * sending (it failed, and said why), or -1 with *ret_err (every received
 * descriptor closed). */
enum { LISTENERS_OK = 0, LISTENERS_NOT_YET = 1, LISTENERS_NONE = 2 };
int listeners_receive(int sock, const unsigned short *want, size_t n, int *ret_fds, char **ret_err);
