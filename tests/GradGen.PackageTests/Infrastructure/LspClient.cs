using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;

namespace GradGen.PackageTests.Infrastructure;

/// <summary>
/// A minimal Language Server Protocol client over a child process's stdio: JSON-RPC 2.0 messages framed by
/// <c>Content-Length</c> headers. It answers the server's own requests (<c>workspace/configuration</c> with the given
/// settings sections, everything else with null), records notifications, and kills the server's process tree on dispose.
/// </summary>
public sealed class LspClient : IAsyncDisposable
{
    private readonly Process process;
    private readonly Stream input;
    private readonly Stream outputStream;
    private readonly IReadOnlyDictionary<string, JsonNode?> configuration;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode?>> pending = new();
    private readonly SemaphoreSlim writeLock = new(1, 1);
    private readonly StringBuilder log = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Task readLoop;
    private readonly Task stderrLoop;
    private int nextId;

    private LspClient(Process process, IReadOnlyDictionary<string, JsonNode?> configuration)
    {
        this.process = process;
        this.configuration = configuration;
        input = process.StandardOutput.BaseStream;
        outputStream = process.StandardInput.BaseStream;
        readLoop = Task.Run(ReadLoopAsync);
        stderrLoop = Task.Run(async () =>
        {
            string? line;
            while ((line = await process.StandardError.ReadLineAsync()) is not null) Log("stderr: " + line);
        });
    }

    /// <summary>Everything the server said besides responses (log messages, stderr, server requests), for failure messages.</summary>
    public string Transcript { get { lock (log) return log.ToString(); } }

    /// <summary>The <c>csharp.*</c>-style settings sections answered to <c>workspace/configuration</c>, by section name.</summary>
    public static LspClient Start(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, JsonNode?> configuration)
    {
        var process = new Process { StartInfo = Processes.StartInfo(fileName, arguments, workingDirectory) };
        process.Start();
        return new LspClient(process, configuration);
    }

    public async Task<JsonNode?> RequestAsync(string method, JsonNode? parameters, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref nextId);
        var completion = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[id] = completion;
        await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters }, cancellationToken);
        using (cancellationToken.Register(() => completion.TrySetCanceled(cancellationToken)))
        {
            try
            {
                return await completion.Task;
            }
            finally
            {
                pending.TryRemove(id, out _);
            }
        }
    }

    public Task NotifyAsync(string method, JsonNode? parameters, CancellationToken cancellationToken) =>
        SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = parameters }, cancellationToken);

    private async Task SendAsync(JsonNode message, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(message.ToJsonString());
        var header = Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n");
        await writeLock.WaitAsync(cancellationToken);
        try
        {
            await outputStream.WriteAsync(header, cancellationToken);
            await outputStream.WriteAsync(body, cancellationToken);
            await outputStream.FlushAsync(cancellationToken);
        }
        finally
        {
            writeLock.Release();
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var length = await ReadHeadersAsync();
                if (length < 0) break;
                var body = new byte[length];
                await input.ReadExactlyAsync(body, stop.Token);
                var message = JsonNode.Parse(body)!.AsObject();
                await DispatchAsync(message);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or EndOfStreamException)
        {
        }
        catch (Exception e)
        {
            Log("client read loop failed: " + e);
        }
        foreach (var waiting in pending.Values)
            waiting.TrySetException(new IOException("the language server closed its output. Transcript:\n" + Transcript));
    }

    /// <summary>Reads header lines up to the empty line; returns the Content-Length, or -1 at the end of the stream.</summary>
    private async Task<int> ReadHeadersAsync()
    {
        var length = -1;
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            if (await input.ReadAsync(one, stop.Token) == 0) return -1;
            if (one[0] == '\n')
            {
                var text = line.ToString().TrimEnd('\r');
                line.Clear();
                if (text.Length == 0)
                {
                    if (length >= 0) return length;
                    continue;
                }
                if (text.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                    length = int.Parse(text["Content-Length:".Length..].Trim());
            }
            else
            {
                line.Append((char)one[0]);
            }
        }
    }

    private async Task DispatchAsync(JsonObject message)
    {
        var method = message["method"]?.GetValue<string>();
        var id = message["id"];
        if (method is null)
        {
            // A response to one of our requests.
            if (id is not null && pending.TryGetValue(id.GetValue<int>(), out var completion))
            {
                if (message["error"] is { } error)
                    completion.TrySetException(new InvalidOperationException($"LSP error: {error.ToJsonString()}"));
                else
                    completion.TrySetResult(message["result"]);
            }
            return;
        }

        if (id is null)
        {
            // A notification: keep the readable ones for failure messages.
            if (method is "window/logMessage" or "window/showMessage")
                Log($"{method}: {message["params"]?["message"]}");
            return;
        }

        // A request from the server: answer it, or the server may wait for us.
        Log($"server request {method}: {message["params"]?.ToJsonString()}");
        JsonNode? result = null;
        if (method == "workspace/configuration")
        {
            var items = new JsonArray();
            foreach (var item in message["params"]?["items"]?.AsArray() ?? new JsonArray())
            {
                var section = item?["section"]?.GetValue<string>();
                items.Add(section is not null && configuration.TryGetValue(section, out var value) ? value?.DeepClone() : null);
            }
            result = items;
        }
        await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id.DeepClone(), ["result"] = result }, stop.Token);
    }

    private void Log(string line)
    {
        lock (log) log.AppendLine(line);
    }

    /// <summary>Asks the server to shut down and exit (LSP's polite way), waits briefly, then kills whatever is left.</summary>
    public async Task ShutdownAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await RequestAsync("shutdown", null, cts.Token);
            await NotifyAsync("exit", null, cts.Token);
            await process.WaitForExitAsync(cts.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            Log("shutdown: " + e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Processes.Kill(process);
        stop.Cancel();
        try { await Task.WhenAll(readLoop, stderrLoop).WaitAsync(TimeSpan.FromSeconds(10)); }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or IOException) { }
        process.Dispose();
        stop.Dispose();
        writeLock.Dispose();
    }
}
