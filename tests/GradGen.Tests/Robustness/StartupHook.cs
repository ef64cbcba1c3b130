using System;
using GradGen.Tests.Robustness;

// No namespace: the runtime looks for the global type StartupHook in an assembly named by DOTNET_STARTUP_HOOKS.

/// <summary>
/// The entry of the child process (see <see cref="ChildProcess"/>): the runtime calls it before the test assembly's
/// generated (empty) Main when <c>DOTNET_STARTUP_HOOKS</c> names this assembly. Inert in a normal test run.
/// </summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable(ChildProcess.CasesVariable) is not { Length: > 0 } cases) return;
        Environment.SetEnvironmentVariable(ChildProcess.CasesVariable, null);
        Environment.SetEnvironmentVariable("DOTNET_STARTUP_HOOKS", null);
        var code = 0;
        try
        {
            ChildProcess.ChildMain(cases);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine("child failed: " + e);
            code = 1;
        }
        Console.Out.Flush();
        Environment.Exit(code);
    }
}
