package org.closepolicy.examples;

import java.io.InputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code closepolicy} command line: {@code demo}, {@code serve}, {@code diagnose}.
 * <pre>
 * java -jar closepolicy.jar demo
 * java -jar closepolicy.jar serve --server jetty --port 8080 --policy safe-reset
 * java -jar closepolicy.jar diagnose --port 8080
 * </pre>
 * Exit codes: 0 success, 1 failure (including a demo whose responses did not verify),
 * 2 bad arguments.
 *
 * <p>Thread-safety: each {@link #execute} call builds its own command line; calls may run concurrently.
 */
@Command(name = "closepolicy", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {
            "Who closes a TCP connection first decides who keeps its TIME_WAIT.",
            "This tool shows it on Netty and Jetty servers and reads the kernel's view.",
        },
        subcommands = {DemoCommand.class, ServeCommand.class, DiagnoseCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Start with: closepolicy demo"})
public final class Main implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs the command line with these streams and returns the exit code. */
    static int execute(PrintWriter out, PrintWriter err, String... args) {
        return commandLine(ServeCommand.Hooks.NONE, out, err).execute(args);
    }

    /** The configured command line; {@code hooks} let tests drive {@code serve}. */
    static CommandLine commandLine(ServeCommand.Hooks hooks, PrintWriter out, PrintWriter err) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            @SuppressWarnings("unchecked")
            public <K> K create(Class<K> cls) throws Exception {
                return cls == ServeCommand.class ? (K) new ServeCommand(hooks) : defaults.create(cls);
            }
        };
        CommandLine cl = new CommandLine(new Main(), factory);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setUsageHelpWidth(110);
        cl.registerConverter(Duration.class, new DurationConverter());
        cl.registerConverter(PolicyArg.class, new PolicyArg.Converter());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler(Main::badArguments);
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println("closepolicy " + line.getCommandName() + ": " + describe(e));
            line.getErr().flush();
            return e instanceof CommandLine.ParameterException ? CommandLine.ExitCode.USAGE : CommandLine.ExitCode.SOFTWARE;
        });
        return cl;
    }

    private static int badArguments(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println("closepolicy: " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        String path = cl.getCommandSpec().qualifiedName();
        err.println("Try '" + path + " --help' for more information.");
        err.flush();
        return CommandLine.ExitCode.USAGE;
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (m != null && !m.isBlank() && sb.indexOf(m) < 0) {
                if (sb.length() > 0) {
                    sb.append(": ");
                }
                sb.append(m);
            }
        }
        return sb.length() > 0 ? sb.toString() : e.getClass().getSimpleName();
    }

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: choose demo, serve or diagnose");
    }

    /** The version from the build. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws Exception {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"closepolicy " + p.getProperty("version", "(unknown version)"),
                "Java " + System.getProperty("java.version") + " on " + System.getProperty("os.name") + " " + System.getProperty("os.arch")};
        }
    }
}
