using Spectre.Console;

namespace OrleansOrders.LoadTest.Cli;

/// <summary>
/// Where the harness writes. Interactive (a real terminal) gets Spectre.Console's live display;
/// redirected output (CI, a pipe, a test) gets plain periodic lines instead.
/// </summary>
public sealed class Terminal(IAnsiConsole console, TextWriter output, TextWriter error, bool interactive)
{
    public IAnsiConsole Console { get; } = console;

    /// <summary>Where plain text such as --help goes (the same stream as <see cref="Console"/>).</summary>
    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>True on a real terminal: live displays redraw in place.</summary>
    public bool Interactive { get; } = interactive;

    /// <summary>Silo and client logs at Warning and above instead of Error and above.</summary>
    public bool Verbose { get; set; }

    /// <summary>The process console, interactive only when stdout is a terminal and not a CI run.</summary>
    public static Terminal CreateDefault()
    {
        var console = AnsiConsole.Console;
        var interactive = !System.Console.IsOutputRedirected
                          && console.Profile.Capabilities.Interactive
                          && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));
        if (!interactive && System.Console.IsOutputRedirected)
        {
            console.Profile.Width = 120; // logs are not 80 columns wide: keep table rows on one line
        }
        return new Terminal(console, System.Console.Out, System.Console.Error, interactive);
    }

    /// <summary>A plain, non-interactive console over a writer: for tests and redirected runs.</summary>
    public static Terminal Plain(TextWriter output, TextWriter? error = null)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 120;
        return new Terminal(console, output, error ?? output, interactive: false);
    }

    /// <summary>A line of plain text, never wrapped (logs and CI read it as one line).</summary>
    public void Line(string text) => Output.WriteLine(text);

    /// <summary>A one-line error on the error stream.</summary>
    public void Fail(string message) => Error.WriteLine("error: " + message);
}
