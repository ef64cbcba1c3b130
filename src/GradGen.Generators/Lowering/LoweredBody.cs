using System.Collections.Generic;
using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;

namespace GradGen.Generators.Lowering;

/// <summary>
/// One method's body lowered on its own: its model when the body itself was accepted, what it rejected, and its calls to
/// other <c>[Differentiable]</c> methods of the compilation (recorded, not followed: <see cref="CallGraph"/> decides whether
/// they chain). What the generator and the analyzer need of a body, and what <see cref="BodyCache"/> keeps across
/// compilations.
/// </summary>
internal sealed class LoweredBody
{
    public LoweredBody(MethodModel? model, IReadOnlyList<Rejection> rejections, IReadOnlyList<(IMethodSymbol Callee, Location Location)> calls)
    {
        Model = model;
        Rejections = rejections;
        Calls = calls;
    }

    /// <summary>The body's IR; null exactly when <see cref="Rejections"/> is not empty.</summary>
    public MethodModel? Model { get; }

    public IReadOnlyList<Rejection> Rejections { get; }

    /// <summary>Each call to a <c>[Differentiable]</c> method of this compilation, with where the call is.</summary>
    public IReadOnlyList<(IMethodSymbol Callee, Location Location)> Calls { get; }
}
