# PID 1 of every sandbox of nubo's linux driver (x86-64). Built into
# pid1_amd64.bin by build.sh; the driver embeds that file (pid1.go).
#
# nubo cannot run Go code between fork and exec, and re-executing nubo's own
# binary costs ~30 ms and ~15 MB per sandbox (every package initialises), so
# the process that holds a sandbox's namespaces is this ~700-byte program. It
# runs as root in fresh mount, PID, network, UTS and IPC namespaces, with the
# host's control socket on fd 3:
#   1. makes every mount private (nothing propagates to the host) and mounts a
#      /proc of its own PID namespace, then sends 'R' (ready);
#   2. waits for the start request (see request.go for its layout) with the
#      three stdio descriptors attached, forks, and in the child enters a
#      cgroup namespace of its own, drops the capability bounding set, sets groups, gid and uid, no_new_privs and the
#      seccomp filter, changes directory and execs; the child reports a
#      failing step and its errno over a close-on-exec pipe;
#   3. sends 'S' (or 'E' with step and errno), reaps every orphan of the
#      namespace, and when the main process ends sends 'X' with its wait
#      status and exits, which makes the kernel kill whatever is left.
# Every message to the host is 12 bytes: kind, 3 zero bytes, two uint32.
# It installs no signal handlers: as PID 1 the kernel then ignores every
# signal sent from inside the sandbox; SIGKILL from the host still works.

	.intel_syntax noprefix
	.globl _start

	.set SYS_read, 0
	.set SYS_write, 1
	.set SYS_close, 3
	.set SYS_dup2, 33
	.set SYS_recvmsg, 47
	.set SYS_clone, 56
	.set SYS_execve, 59
	.set SYS_wait4, 61
	.set SYS_chdir, 80
	.set SYS_setsid, 112
	.set SYS_setgroups, 116
	.set SYS_setresuid, 117
	.set SYS_setresgid, 119
	.set SYS_prctl, 157
	.set SYS_mount, 165
	.set SYS_exit_group, 231
	.set SYS_unshare, 272
	.set SYS_pipe2, 293

	.set CTL, 3
	.set REQSIZE, 65536

	# request header offsets (uint32 each)
	.set R_UID, 0
	.set R_GID, 4
	.set R_PATH, 8
	.set R_DIR, 12
	.set R_ARGV, 16
	.set R_ENVP, 20
	.set R_SLOTS, 24
	.set R_NSLOTS, 28
	.set R_NFILTER, 32
	.set R_FILTER, 36

	# steps the child reports on failure
	.set ST_DUP, 1
	.set ST_SETSID, 2
	.set ST_SETGROUPS, 3
	.set ST_SETGID, 4
	.set ST_SETUID, 5
	.set ST_NNP, 6
	.set ST_SECCOMP, 7
	.set ST_CHDIR, 8
	.set ST_EXEC, 9
	.set ST_UNSHARE, 10

	.text
_start:
	xor edi, edi
	lea rsi, [rip + s_root]
	xor edx, edx
	mov r10d, 0x44000		# MS_REC|MS_PRIVATE
	xor r8d, r8d
	mov eax, SYS_mount
	syscall
	test rax, rax
	jnz fatal
	lea rdi, [rip + s_proc]
	lea rsi, [rip + s_slashproc]
	mov rdx, rdi
	mov r10d, 0xe			# MS_NOSUID|MS_NODEV|MS_NOEXEC
	xor r8d, r8d
	mov eax, SYS_mount
	syscall
	test rax, rax
	jnz fatal
	mov byte ptr [rip + msg], 'R'
	call send

	mov edi, CTL
	lea rsi, [rip + mhdr]
	xor edx, edx
	mov eax, SYS_recvmsg
	syscall
	test rax, rax
	jle quit			# socket closed: stopped before start
	cmp qword ptr [rip + cmsg], 28	# one SCM_RIGHTS header with 3 fds
	jne fatal

	# Turn the pointer slots from offsets into addresses.
	lea rbx, [rip + req]
	mov ecx, [rbx + R_NSLOTS]
	mov esi, [rbx + R_SLOTS]
	add rsi, rbx
1:	test ecx, ecx
	jz 3f
	mov rax, [rsi]
	test rax, rax
	jz 2f
	add rax, rbx
	mov [rsi], rax
2:	add rsi, 8
	dec ecx
	jmp 1b
3:
	lea rdi, [rip + epipe]
	mov esi, 0x80000		# O_CLOEXEC
	mov eax, SYS_pipe2
	syscall
	test rax, rax
	jnz fatal

	mov edi, 17			# fork: clone(SIGCHLD, 0, 0, 0, 0)
	xor esi, esi
	xor edx, edx
	xor r10d, r10d
	xor r8d, r8d
	mov eax, SYS_clone
	syscall
	test rax, rax
	js fatal
	jz child
	mov r12, rax			# the main process

	mov edi, [rip + epipe + 4]
	call close
	mov edi, [rip + cmsg + 16]
	call close
	mov edi, [rip + cmsg + 20]
	call close
	mov edi, [rip + cmsg + 24]
	call close
	mov edi, [rip + epipe]
	lea rsi, [rip + msg + 4]
	mov edx, 8
	mov eax, SYS_read
	syscall
	cmp rax, 8
	je 4f
	mov byte ptr [rip + msg], 'S'
	mov [rip + msg + 4], r12d
	mov dword ptr [rip + msg + 8], 0
	jmp 5f
4:	mov byte ptr [rip + msg], 'E'
5:	call send
	mov edi, [rip + epipe]
	call close

reap:
	mov edi, -1
	lea rsi, [rip + msg + 4]
	mov edx, 0x40000000		# __WALL
	xor r10d, r10d
	mov eax, SYS_wait4
	syscall
	cmp rax, r12
	je exited
	test rax, rax
	jns reap
	cmp rax, -4			# EINTR
	je reap
	jmp fatal
exited:
	mov byte ptr [rip + msg], 'X'
	mov dword ptr [rip + msg + 8], 0
	call send
quit:
	xor edi, edi
	mov eax, SYS_exit_group
	syscall
fatal:
	mov edi, 111
	mov eax, SYS_exit_group
	syscall

send:					# write(CTL, msg, 12)
	mov edi, CTL
	lea rsi, [rip + msg]
	mov edx, 12
	mov eax, SYS_write
	syscall
	ret

close:					# close(edi)
	mov eax, SYS_close
	syscall
	ret

child:
	lea rbx, [rip + req]
	mov edi, CTL
	call close
	mov edi, [rip + epipe]
	call close
	mov r13d, ST_DUP
	mov edi, [rip + cmsg + 16]
	xor esi, esi
	mov eax, SYS_dup2
	syscall
	test rax, rax
	js fail
	mov edi, [rip + cmsg + 20]
	mov esi, 1
	mov eax, SYS_dup2
	syscall
	test rax, rax
	js fail
	mov edi, [rip + cmsg + 24]
	mov esi, 2
	mov eax, SYS_dup2
	syscall
	test rax, rax
	js fail
	mov edi, [rip + cmsg + 16]
	call close
	mov edi, [rip + cmsg + 20]
	call close
	mov edi, [rip + cmsg + 24]
	call close

	mov r13d, ST_SETSID
	mov eax, SYS_setsid
	syscall
	test rax, rax
	js fail

	# A cgroup namespace rooted at the sandbox's cgroups, which PID 1 has
	# joined by now: /proc/self/cgroup shows "/", not the host's paths.
	mov r13d, ST_UNSHARE
	mov edi, 0x02000000		# CLONE_NEWCGROUP
	mov eax, SYS_unshare
	syscall
	test rax, rax
	js fail

	xor r12d, r12d			# drop every capability from the bounding set
6:	mov edi, 24			# PR_CAPBSET_DROP
	mov esi, r12d
	xor edx, edx
	xor r10d, r10d
	xor r8d, r8d
	mov eax, SYS_prctl
	syscall
	inc r12d
	cmp r12d, 64
	jb 6b

	mov r13d, ST_SETGROUPS
	xor edi, edi
	xor esi, esi
	mov eax, SYS_setgroups
	syscall
	test rax, rax
	js fail
	mov r13d, ST_SETGID
	mov edi, [rbx + R_GID]
	mov esi, edi
	mov edx, edi
	mov eax, SYS_setresgid
	syscall
	test rax, rax
	js fail
	mov r13d, ST_SETUID
	mov edi, [rbx + R_UID]
	mov esi, edi
	mov edx, edi
	mov eax, SYS_setresuid
	syscall
	test rax, rax
	js fail
	mov r13d, ST_NNP
	mov edi, 38			# PR_SET_NO_NEW_PRIVS
	mov esi, 1
	xor edx, edx
	xor r10d, r10d
	xor r8d, r8d
	mov eax, SYS_prctl
	syscall
	test rax, rax
	js fail

	mov r13d, ST_SECCOMP
	mov eax, [rbx + R_NFILTER]
	test eax, eax
	jz 7f
	sub rsp, 16			# struct sock_fprog {u16 len; filter *}
	mov [rsp], ax
	mov eax, [rbx + R_FILTER]
	add rax, rbx
	mov [rsp + 8], rax
	mov edi, 22			# PR_SET_SECCOMP
	mov esi, 2			# SECCOMP_MODE_FILTER
	mov rdx, rsp
	xor r10d, r10d
	xor r8d, r8d
	mov eax, SYS_prctl
	syscall
	test rax, rax
	js fail
7:
	mov r13d, ST_CHDIR
	mov edi, [rbx + R_DIR]
	add rdi, rbx
	mov eax, SYS_chdir
	syscall
	test rax, rax
	js fail

	mov r13d, ST_EXEC
	mov edi, [rbx + R_PATH]
	add rdi, rbx
	mov esi, [rbx + R_ARGV]
	add rsi, rbx
	mov edx, [rbx + R_ENVP]
	add rdx, rbx
	mov eax, SYS_execve
	syscall

fail:					# report {step, errno} and exit 127
	neg eax
	mov [rip + msg + 4], r13d
	mov [rip + msg + 8], eax
	mov edi, [rip + epipe + 4]
	lea rsi, [rip + msg + 4]
	mov edx, 8
	mov eax, SYS_write
	syscall
	mov edi, 127
	mov eax, SYS_exit_group
	syscall

	.section .rodata
s_root:	.asciz "/"
s_proc:	.asciz "proc"
s_slashproc: .asciz "/proc"

	.data
	.balign 8
mhdr:	.quad 0				# msg_name
	.quad 0				# msg_namelen
	.quad iov			# msg_iov
	.quad 1				# msg_iovlen
	.quad cmsg			# msg_control
	.quad 32			# msg_controllen: CMSG_SPACE(3 * 4)
	.quad 0				# msg_flags
iov:	.quad req
	.quad REQSIZE

	.bss
	.balign 16
cmsg:	.skip 32
msg:	.skip 12
epipe:	.skip 8
	.balign 16
req:	.skip REQSIZE
