// The Python sides of `PreloadServer`, run with the app's own interpreter.

extension PreloadServer {
    /// The server, run as `python -c SOURCE PLAN`; descriptor 3 is its socket, 4 its lifeline.
    static let serverSource = #"""
        # repaird's preload server (see PreloadServer.swift). Descriptor 3 is the socket shims connect
        # to, 4 the lifeline: when it reads end-of-file, repaird is gone and so is everything here.
        import array, ast, builtins, importlib, json, os, selectors, signal, socket, struct, sys, types


        def local_names(app):
            names = set()
            for entry in os.listdir(app):
                if entry.endswith(".py"):
                    names.add(entry[:-3])
                elif os.path.isdir(os.path.join(app, entry)):
                    names.add(entry)
            return names


        def imported_names(app, scripts, limit=2000):
            """Absolute imports of the app's Python files and of the scripts its commands run."""
            files = list(scripts)
            for root, folders, entries in os.walk(app):
                folders[:] = [f for f in folders if not f.startswith(".") and f not in ("node_modules", "__pycache__", "venv", "site-packages")]
                files += [os.path.join(root, e) for e in entries if e.endswith(".py")]
                if len(files) > limit:
                    break
            names = []
            for path in files[:limit]:
                try:
                    with open(path, "rb") as source:
                        tree = ast.parse(source.read(), path)
                except (OSError, SyntaxError, ValueError):
                    continue
                for node in ast.walk(tree):
                    if isinstance(node, ast.Import):
                        names += [alias.name for alias in node.names]
                    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                        names.append(node.module)
            return names


        def preload(plan):
            app = os.path.realpath(plan["app"])
            local = local_names(app)
            saved = list(sys.path)
            # Nothing of the app's may be imported here: its children import it afresh.
            sys.path[:] = [p for p in sys.path if p and os.path.realpath(p) != app]
            wanted = list(plan["modules"])
            wanted += [n for n in imported_names(app, plan["scan"]) if n.split(".")[0] not in local and n != "__future__"]
            imported, failed = 0, 0
            for name in dict.fromkeys(wanted):
                if name in sys.modules:
                    continue
                try:
                    importlib.import_module(name)
                    imported += 1
                except BaseException:
                    failed += 1
            sys.path[:] = saved
            own = sorted(n for n, m in list(sys.modules.items())
                         if os.path.realpath(getattr(m, "__file__", None) or "/").startswith(app + os.sep))
            if own:
                print("repaird-preload: refused: modules of the app itself were imported, and a fork would not see "
                      "their patches: " + ", ".join(own), flush=True)
                sys.exit(3)
            if "threading" in sys.modules and sys.modules["threading"].active_count() > 1:
                print("repaird-preload: refused: a preloaded module started a thread, and a fork would lose it", flush=True)
                sys.exit(3)
            print(f"repaird-preload: ready: {imported} modules imported ({failed} could not be), "
                  f"{len(sys.modules)} loaded", flush=True)


        def receive(connection):
            connection.settimeout(10)
            descriptors = array.array("i")
            try:
                header, ancillary, _, _ = connection.recvmsg(4, socket.CMSG_LEN(3 * descriptors.itemsize))
                for level, kind, data in ancillary:
                    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                        descriptors.frombytes(data[: len(data) - len(data) % descriptors.itemsize])
                if len(header) != 4 or len(descriptors) != 3:
                    raise ValueError("a request without its size or its three streams")
                size = struct.unpack("!I", header)[0]
                body = bytearray()
                while len(body) < size:
                    chunk = connection.recv(size - len(body))
                    if not chunk:
                        raise ValueError("a request cut short")
                    body += chunk
                request = json.loads(body)
                request["streams"] = list(descriptors)
                connection.settimeout(None)
                return request
            except (OSError, ValueError) as problem:
                print(f"repaird-preload: a request was dropped: {problem}", flush=True)
                for descriptor in descriptors:
                    os.close(descriptor)
                return None


        def serve():
            listener = socket.socket(fileno=3)
            lifeline = 4
            preload(json.loads(sys.argv[1]))
            wake_read, wake_write = os.pipe()
            os.set_blocking(wake_read, False)
            os.set_blocking(wake_write, False)
            signal.set_wakeup_fd(wake_write)
            signal.signal(signal.SIGCHLD, lambda *_: None)
            selector = selectors.DefaultSelector()
            selector.register(listener, selectors.EVENT_READ, "listen")
            selector.register(wake_read, selectors.EVENT_READ, "child")
            selector.register(lifeline, selectors.EVENT_READ, "lifeline")
            children = {}  # pid -> the connection of the shim standing in for it
            while True:
                for key, _ in selector.select():
                    if key.data == "lifeline":
                        for pid in children:
                            try:
                                os.killpg(pid, signal.SIGKILL)
                            except OSError:
                                pass
                        os._exit(0)
                    elif key.data == "listen":
                        try:
                            connection, _ = listener.accept()
                        except OSError:
                            continue
                        request = receive(connection)
                        if request is None:
                            connection.close()
                            continue
                        sys.stdout.flush()
                        sys.stderr.flush()
                        pid = os.fork()
                        if pid == 0:
                            selector.close()
                            listener.close()
                            for descriptor in (wake_read, wake_write, lifeline):
                                os.close(descriptor)
                            for other in children.values():
                                other.close()
                            connection.close()
                            return request
                        for descriptor in request["streams"]:
                            os.close(descriptor)
                        shown = {"c": "-c …", "m": "-m " + request["target"]}.get(request["mode"], request["target"])
                        print(f"repaird-preload: forked {pid} for {shown}", flush=True)
                        children[pid] = connection
                        try:
                            connection.sendall(b"S")
                        except OSError:
                            pass
                        selector.register(connection, selectors.EVENT_READ, pid)
                    elif key.data == "child":
                        try:
                            while os.read(wake_read, 512):
                                pass
                        except BlockingIOError:
                            pass
                        while True:
                            try:
                                pid, status = os.waitpid(-1, os.WNOHANG)
                            except ChildProcessError:
                                break
                            if pid == 0:
                                break
                            connection = children.pop(pid, None)
                            if connection is None:
                                continue
                            try:
                                selector.unregister(connection)
                            except (KeyError, ValueError):
                                pass
                            try:
                                connection.sendall(b"E" + struct.pack("!i", os.waitstatus_to_exitcode(status)))
                            except OSError:
                                pass
                            connection.close()
                    else:
                        pid = key.data
                        try:
                            data = key.fileobj.recv(64)
                        except OSError:
                            data = b""
                        if data:
                            for number in data:
                                try:
                                    os.kill(pid, number)
                                except OSError:
                                    pass
                        else:
                            # The shim was killed: what it stood for goes too.
                            try:
                                os.killpg(pid, signal.SIGKILL)
                            except OSError:
                                pass
                            selector.unregister(key.fileobj)


        def become(request):
            """The child: the command the shim was asked to run, as the interpreter would run it."""
            os.setpgid(0, 0)
            try:
                import ctypes
                ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: the server's end is ours
            except Exception:
                pass
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            for number, descriptor in enumerate(request["streams"]):
                os.dup2(descriptor, number)
                os.close(descriptor)
            os.chdir(request["cwd"])
            os.environ.clear()
            os.environ.update(request["env"])
            os.umask(request["umask"])
            importlib.invalidate_caches()
            if "random" in sys.modules:
                sys.modules["random"].seed()
            main = types.ModuleType("__main__")
            main.__builtins__ = builtins
            sys.modules["__main__"] = main
            mode, target, arguments = request["mode"], request["target"], request["args"]
            if mode == "c":
                sys.argv = ["-c"] + arguments
                sys.path[0] = ""
                code = compile(target, "<string>", "exec")
            elif mode == "m":
                import runpy
                sys.argv = ["-m"] + arguments
                sys.path[0] = os.getcwd()
                runpy._run_module_as_main(target, alter_argv=True)
                return
            else:
                sys.argv = [target] + arguments
                sys.path[0] = os.path.dirname(os.path.realpath(target))
                with open(target, "rb") as source:
                    code = compile(source.read(), target, "exec")
                main.__file__ = target
            exec(code, main.__dict__)


        become(serve())
        """#

    /// A shim, after its `#!` line; `@REAL@`, `@INTERPRETER@` and `@SERVER_ENV@` are filled in.
    static let shimSource = #"""
        # repaird's preload shim (see PreloadServer.swift): runs this command in a fork of the preload
        # server when it can, else as it would have run.
        import os, sys

        REAL = @REAL@
        INTERPRETER = @INTERPRETER@
        SERVER_ENV = @SERVER_ENV@


        def fallback():
            os.execv(REAL, [REAL] + sys.argv[1:])


        def wanted():
            arguments = sys.argv[1:]
            if not INTERPRETER:
                return "path", REAL, arguments
            if not arguments or not arguments[0]:
                return None
            first = arguments[0]
            if first in ("-c", "-m"):
                return (first[1], arguments[1], arguments[2:]) if len(arguments) > 1 else None
            # Any other option (-u, -X, -O, …) changes how the interpreter runs: the shim runs it itself.
            return None if first.startswith("-") else ("path", first, arguments[1:])


        def main():
            socket_path = os.environ.get("REPAIRD_PRELOAD_SOCKET")
            request = wanted() if socket_path else None
            python_env = {k: v for k, v in os.environ.items() if k.startswith("PYTHON")}
            if request is None or python_env != SERVER_ENV:
                fallback()
            import array, json, signal, socket, struct
            mode, target, arguments = request
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                folder = os.open(os.path.dirname(socket_path), os.O_PATH)
                connection.connect(f"/proc/self/fd/{folder}/{os.path.basename(socket_path)}")
                os.close(folder)
            except OSError:
                connection.close()
                fallback()
            umask = os.umask(0o22)
            os.umask(umask)
            body = json.dumps({"mode": mode, "target": target, "args": arguments, "cwd": os.getcwd(),
                               "env": dict(os.environ), "umask": umask}).encode()
            try:
                connection.sendmsg([struct.pack("!I", len(body))],
                                   [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [0, 1, 2]))])
                connection.sendall(body)
                started = connection.recv(1)
            except OSError:
                started = b""
            if started != b"S":
                connection.close()
                fallback()
            forward = lambda number, _frame: connection.send(bytes([number]))
            for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
                signal.signal(number, forward)
            reply = b""
            while len(reply) < 5:
                chunk = connection.recv(5 - len(reply))
                if not chunk:
                    os.write(2, b"repaird preload: the preload server ended before the command did\n")
                    os._exit(70)
                reply += chunk
            code = struct.unpack("!i", reply[1:])[0]
            if code < 0:
                signal.signal(-code, signal.SIG_DFL)
                os.kill(os.getpid(), -code)
            os._exit(code & 0xFF)


        main()
        """#
}
