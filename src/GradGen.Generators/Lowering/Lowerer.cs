using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using GradGen.Generators.Differentiation;
using GradGen.Generators.Helpers;
using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace GradGen.Generators.Lowering;

/// <summary>The result of lowering one <c>[Differentiable]</c> method: its IR, or why it has none.</summary>
internal sealed record LoweringResult(MethodModel? Model, ImmutableArray<Rejection> Rejections);

/// <summary>
/// Lower: C# (syntax + semantic model, through the IOperation tree) → SSA IR. The only stage that sees Roslyn symbols.
/// The generator emits a backward pass exactly for the methods this accepts; the analyzer reports exactly what it rejects.
/// </summary>
internal sealed class Lowerer
{
    /// <summary>Deeper expressions are rejected rather than risking the IDE's stack.</summary>
    public const int MaxDepth = 200;

    private readonly IMethodSymbol _method;
    private readonly Compilation _compilation;
    private readonly CancellationToken _cancellationToken;
    private readonly List<(IMethodSymbol Callee, SyntaxNode Syntax)> _calls = new();
    private readonly List<Builder> _instructions = new();
    private readonly List<Rejection> _rejections = new();
    private readonly Dictionary<ILocalSymbol, int> _locals = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<string, int> _nameUses = new();
    private readonly HashSet<string> _reserved = new();
    private int[] _parameters = Array.Empty<int>();
    private int _result = -1;
    private bool _tooDeep;

    private sealed class Builder
    {
        public OpKind Op;
        public int[] Operands = Array.Empty<int>();
        public Model.ValueType Type;
        public string? Name;
        public string? Constant;
        public int ParameterIndex = -1;
        public CallTarget? Callee;
    }

    private Lowerer(IMethodSymbol method, Compilation compilation, CancellationToken cancellationToken)
    {
        _method = method;
        _compilation = compilation;
        _cancellationToken = cancellationToken;
    }

    /// <summary>Lowers a <c>[Differentiable]</c> method. Never throws, except <see cref="OperationCanceledException"/>.</summary>
    /// <remarks>
    /// Each method's body is lowered once on its own (calls are recorded, not followed); then the call graph decides
    /// whether the calls can be chained: a call whose callee leads back to this method is recursion, a call whose callee
    /// (or anything it calls) is rejected or recursive cannot be chained. The graph is shared by every lowering of one
    /// compilation (the generator's transforms and the analyzer's actions alike), so each body is lowered once per
    /// compilation however many methods call it.
    /// </remarks>
    public static LoweringResult Lower(IMethodSymbol method, Compilation compilation, CancellationToken cancellationToken)
    {
        var graph = Graphs.GetValue(compilation, c => new CallGraph(c));
        lock (graph)
        {
            return graph.Result(method, cancellationToken);
        }
    }

    private static readonly ConditionalWeakTable<Compilation, CallGraph> Graphs = new();

    /// <summary>The bodies of the methods of one compilation, each lowered once, and the questions about the calls between them.</summary>
    private sealed class CallGraph
    {
        private readonly Compilation _compilation;
        private readonly Dictionary<IMethodSymbol, Lowerer> _bodies = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<IMethodSymbol, LoweringResult> _results = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<IMethodSymbol, Location?> _problems = new(SymbolEqualityComparer.Default);
        private readonly HashSet<IMethodSymbol> _visiting = new(SymbolEqualityComparer.Default);

        public CallGraph(Compilation compilation) => _compilation = compilation;

        /// <summary>The method's lowering: its own body's, plus what its calls make of it.</summary>
        public LoweringResult Result(IMethodSymbol method, CancellationToken cancellationToken)
        {
            if (_results.TryGetValue(method, out var known)) return known;
            var body = Body(method, cancellationToken);
            var rejections = new List<Rejection>(body._rejections);
            foreach (var (callee, syntax) in body._calls)
            {
                if (PathTo(callee, method, cancellationToken) is { } cycle)
                {
                    rejections.Add(new Rejection(RejectionKind.Recursion, syntax.GetLocation(), new[] { string.Join(" → ", cycle.Select(m => m.Name)) }));
                }
                else if (FirstProblem(callee, cancellationToken) is { } problem)
                {
                    rejections.Add(new Rejection(RejectionKind.CalleeNotDifferentiable, syntax.GetLocation(), new[] { callee.Name }, problem));
                }
            }
            var result = rejections.Count > 0
                ? new LoweringResult(null, rejections.ToImmutableArray())
                : new LoweringResult(body.BuildModel(), ImmutableArray<Rejection>.Empty);
            _results[method] = result;
            return result;
        }

        /// <summary>The method's own body, lowered once; its calls are recorded, not followed.</summary>
        private Lowerer Body(IMethodSymbol method, CancellationToken cancellationToken)
        {
            if (_bodies.TryGetValue(method, out var known)) return known;
            var lowerer = new Lowerer(method, _compilation, cancellationToken);
            try
            {
                lowerer.Run();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A bug or an unexpected tree shape must never take down the compiler or the IDE: report it as unsupported.
                lowerer.Reject(RejectionKind.UnsupportedConstruct, method.Locations.FirstOrDefault() ?? Location.None, "this method (GradGen could not analyse it: " + e.GetType().Name + ")");
            }
            _bodies[method] = lowerer; // only complete bodies are kept: a cancelled one is lowered again next time
            return lowerer;
        }

        /// <summary>The shortest chain of calls from <paramref name="from"/> to <paramref name="to"/> (both included), or null.</summary>
        private List<IMethodSymbol>? PathTo(IMethodSymbol from, IMethodSymbol to, CancellationToken cancellationToken)
        {
            var previous = new Dictionary<IMethodSymbol, IMethodSymbol?>(SymbolEqualityComparer.Default) { [from] = null };
            var queue = new Queue<IMethodSymbol>();
            queue.Enqueue(from);
            while (queue.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var current = queue.Dequeue();
                if (SymbolEqualityComparer.Default.Equals(current, to))
                {
                    var path = new List<IMethodSymbol>();
                    for (IMethodSymbol? step = current; step is not null; step = previous[step]) path.Insert(0, step);
                    return path;
                }
                foreach (var (callee, _) in Body(current, cancellationToken)._calls)
                {
                    if (previous.ContainsKey(callee)) continue;
                    previous[callee] = current;
                    queue.Enqueue(callee);
                }
            }
            return null;
        }

        /// <summary>
        /// Where chaining into <paramref name="method"/> fails — its first rejection, or a call that closes a cycle, in it or
        /// anything it calls — or null when its backward can be chained.
        /// </summary>
        private Location? FirstProblem(IMethodSymbol method, CancellationToken cancellationToken)
        {
            try
            {
                return Problem(method, cancellationToken);
            }
            finally
            {
                _visiting.Clear(); // also after a cancellation, so the next question starts clean
            }
        }

        /// <summary>Depth-first over the calls with an explicit stack: a chain of thousands of methods must not overflow the IDE's stack.</summary>
        private Location? Problem(IMethodSymbol root, CancellationToken cancellationToken)
        {
            if (_problems.TryGetValue(root, out var known)) return known;
            var frames = new Stack<Frame>();
            frames.Push(Enter(root, cancellationToken));
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var frame = frames.Peek();
                if (frame.Problem is null && frame.Next < frame.Body._calls.Count)
                {
                    var (callee, syntax) = frame.Body._calls[frame.Next++];
                    if (_visiting.Contains(callee)) frame.Problem = syntax.GetLocation(); // a cycle
                    else if (_problems.TryGetValue(callee, out var calleeProblem)) frame.Problem = calleeProblem;
                    else frames.Push(Enter(callee, cancellationToken));
                    continue;
                }
                frames.Pop();
                _visiting.Remove(frame.Method);
                _problems[frame.Method] = frame.Problem;
                if (frames.Count == 0) return frame.Problem;
                frames.Peek().Problem ??= frame.Problem;
            }
        }

        private Frame Enter(IMethodSymbol method, CancellationToken cancellationToken)
        {
            _visiting.Add(method);
            var body = Body(method, cancellationToken);
            return new Frame(method, body) { Problem = body._rejections.Count > 0 ? body._rejections[0].Location : null };
        }

        private sealed class Frame
        {
            public Frame(IMethodSymbol method, Lowerer body)
            {
                Method = method;
                Body = body;
            }

            public IMethodSymbol Method { get; }

            public Lowerer Body { get; }

            public int Next { get; set; }

            public Location? Problem { get; set; }
        }
    }

    private void Reject(RejectionKind kind, Location location, params string[] args) =>
        _rejections.Add(new Rejection(kind, location, args));

    private void Reject(RejectionKind kind, SyntaxNode syntax, params string[] args) => Reject(kind, syntax.GetLocation(), args);

    // ── the method as a whole ─────────────────────────────────────────────────────────────

    private void Run()
    {
        var syntax = _method.DeclaringSyntaxReferences.Select(r => r.GetSyntax(_cancellationToken)).OfType<MethodDeclarationSyntax>().FirstOrDefault();
        var location = syntax?.Identifier.GetLocation() ?? _method.Locations.FirstOrDefault() ?? Location.None;
        if (syntax is null)
        {
            Reject(RejectionKind.UnsupportedSignature, location, "only ordinary methods declared in source can be [Differentiable] (not local functions, lambdas, accessors, operators or constructors)");
            return;
        }

        if (syntax.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error)
            || _method.ReturnType.TypeKind == TypeKind.Error
            || _method.Parameters.Any(p => p.Type.TypeKind == TypeKind.Error || p.Name.Length == 0))
        {
            Reject(RejectionKind.DoesNotCompile, location);
            return;
        }

        CheckContainingTypes(location);
        CheckNames(location);
        CheckSignature(syntax, location);
        if (_rejections.Count > 0) return;

        foreach (var token in syntax.DescendantTokens())
        {
            if (token.IsKind(SyntaxKind.IdentifierToken)) _reserved.Add(token.ValueText);
        }

        _parameters = new int[_method.Parameters.Length];
        foreach (var parameter in _method.Parameters)
        {
            _parameters[parameter.Ordinal] = Add(new Builder
            {
                Op = OpKind.Parameter,
                Type = Symbols.Classify(parameter.Type),
                Name = EscapeIdentifier(parameter.Name),
                ParameterIndex = parameter.Ordinal,
            });
        }

        if (_method.PartialDefinitionPart is not null || _method.PartialImplementationPart is not null)
        {
            Reject(RejectionKind.UnsupportedSignature, location, "partial methods cannot be [Differentiable]; make it an ordinary method");
            return;
        }
        if (syntax.Body is null && syntax.ExpressionBody is null)
        {
            Reject(RejectionKind.UnsupportedSignature, location, "a method without a body (abstract, extern or a partial definition) has nothing to differentiate");
            return;
        }
        var model = _compilation.GetSemanticModel(syntax.SyntaxTree);
        if (model.GetOperation(syntax, _cancellationToken) is not IMethodBodyOperation body || (body.BlockBody ?? body.ExpressionBody) is not { } block)
        {
            Reject(RejectionKind.DoesNotCompile, location);
            return;
        }
        LowerBlock(block, 0);
        if (_result < 0 && _rejections.Count == 0)
        {
            Reject(RejectionKind.UnsupportedConstruct, location, "a method that does not end in a return statement");
        }
    }

    private void CheckContainingTypes(Location location)
    {
        for (var type = _method.ContainingType; type is not null; type = type.ContainingType)
        {
            // C# 14 extension blocks (TypeKind.Extension, unknown to the Roslyn 4.8 API we compile against) and file-local
            // types cannot take generated members: a partial declaration in another file would be a different type.
            if (type.TypeKind.ToString() == "Extension" || type.IsFileLocal)
            {
                Reject(RejectionKind.UnsupportedSignature, location, type.IsFileLocal
                    ? "its type '" + type.Name + "' is file-local, so the generated backward (in another file) could not join it"
                    : "members of extension blocks cannot be [Differentiable]; declare it as an ordinary static method");
                return;
            }
            foreach (var reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(_cancellationToken) is TypeDeclarationSyntax declaration && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    Reject(RejectionKind.TypeNotPartial, declaration.Identifier.GetLocation(), type.Name);
                }
            }
        }
    }

    private void CheckNames(Location location)
    {
        var type = _method.ContainingType;
        if (type is null) return;
        foreach (var suffix in Naming.GeneratedSuffixes)
        {
            foreach (var member in type.GetMembers(_method.Name + suffix))
            {
                if (!IsGeneratedByUs(member)) _rejections.Add(new Rejection(RejectionKind.NameClash, location, new[] { _method.Name + suffix }, member.Locations.FirstOrDefault()));
            }
        }
        foreach (var member in type.GetMembers(_method.Name))
        {
            if (member is IMethodSymbol other && !SymbolEqualityComparer.Default.Equals(other, _method) && Symbols.HasAttribute(other, Symbols.DifferentiableAttribute)
                && !SymbolEqualityComparer.Default.Equals(other, _method.PartialDefinitionPart) && !SymbolEqualityComparer.Default.Equals(other, _method.PartialImplementationPart))
            {
                Reject(RejectionKind.NameClash, location, _method.Name + "Backward (another [Differentiable] overload of '" + _method.Name + "' generates it too)");
                return;
            }
        }
    }

    private static bool IsGeneratedByUs(ISymbol member) =>
        member.DeclaringSyntaxReferences.Length > 0 &&
        member.DeclaringSyntaxReferences.All(r => r.SyntaxTree.FilePath.Contains(Naming.GeneratorName));

    private void CheckSignature(MethodDeclarationSyntax syntax, Location location)
    {
        if (_method.IsAsync)
        {
            var asyncKeyword = syntax.Modifiers.FirstOrDefault(m => m.IsKind(SyntaxKind.AsyncKeyword));
            Reject(RejectionKind.UnsupportedConstruct, asyncKeyword.IsKind(SyntaxKind.AsyncKeyword) ? asyncKeyword.GetLocation() : location, "an async method (await)");
        }
        if (_method.IsGenericMethod)
        {
            Reject(RejectionKind.UnsupportedSignature, syntax.TypeParameterList?.GetLocation() ?? location, "generic methods are not supported; write one method per element type");
        }
        if (Symbols.Classify(_method.ReturnType).Kind == ValueKind.Passive || _method.ReturnsByRef || _method.ReturnsByRefReadonly)
        {
            Reject(RejectionKind.UnsupportedSignature, syntax.ReturnType.GetLocation(),
                "the return type '" + _method.ReturnType.ToDisplayString() + "' is not differentiable (supported: " + Naming.SupportedTypes + ")");
        }
        var differentiable = 0;
        foreach (var parameter in _method.Parameters)
        {
            var parameterSyntax = parameter.Ordinal < syntax.ParameterList.Parameters.Count ? syntax.ParameterList.Parameters[parameter.Ordinal] : null;
            var parameterLocation = parameterSyntax?.GetLocation() ?? location;
            if (parameter.RefKind != RefKind.None)
            {
                var modifiers = parameterSyntax is null ? parameter.RefKind.ToString().ToLowerInvariant()
                    : string.Join(" ", parameterSyntax.Modifiers.Where(m => m.IsKind(SyntaxKind.RefKeyword) || m.IsKind(SyntaxKind.OutKeyword) || m.IsKind(SyntaxKind.InKeyword) || m.IsKind(SyntaxKind.ReadOnlyKeyword)).Select(m => m.Text));
                Reject(RejectionKind.UnsupportedSignature, parameterLocation, "parameter '" + parameter.Name + "' is passed by reference ('" + modifiers + "'); ref, out and in parameters are not supported: pass it by value and return results instead");
            }
            else if (IsDifferentiable(parameter))
            {
                differentiable++;
            }
        }
        if (differentiable == 0 && _method.Parameters.All(p => p.RefKind == RefKind.None))
        {
            Reject(RejectionKind.UnsupportedSignature, location, "it has no differentiable parameter (supported: " + Naming.SupportedTypes + ", without [NoGradient])");
        }
    }

    /// <summary>True when the parameter gets a gradient: a float/double/tensor parameter not marked [NoGradient].</summary>
    public static bool IsDifferentiable(IParameterSymbol parameter) =>
        parameter.RefKind == RefKind.None && Symbols.Classify(parameter.Type).IsDifferentiable && !Symbols.HasAttribute(parameter, Symbols.NoGradientAttribute);

    // ── statements ───────────────────────────────────────────────────────────────────────

    private void LowerBlock(IBlockOperation block, int depth)
    {
        if (depth > MaxDepth)
        {
            Reject(RejectionKind.UnsupportedConstruct, block.Syntax, "blocks nested more than " + MaxDepth + " levels deep");
            return;
        }
        foreach (var statement in block.Operations)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (_result >= 0)
            {
                Reject(RejectionKind.UnsupportedConstruct, statement.Syntax, "a statement after the return statement");
                return;
            }
            LowerStatement(statement, depth);
        }
    }

    private void LowerStatement(IOperation statement, int depth)
    {
        switch (statement)
        {
            case IVariableDeclarationGroupOperation group:
                foreach (var declaration in group.Declarations)
                {
                    foreach (var declarator in declaration.Declarators)
                    {
                        var initializer = declarator.Initializer?.Value ?? declaration.Initializer?.Value;
                        if (initializer is null)
                        {
                            Reject(RejectionKind.UnsupportedConstruct, declarator.Syntax, "a local variable without an initializer");
                            continue;
                        }
                        Bind(declarator.Symbol, Expression(initializer, 0));
                    }
                }
                break;
            case IExpressionStatementOperation { Operation: ISimpleAssignmentOperation assignment }:
                if (CheckAssignmentTarget(assignment.Target, assignment.Syntax) is { } local) Bind(local, Expression(assignment.Value, 0));
                break;
            case IExpressionStatementOperation { Operation: ICompoundAssignmentOperation compound }:
                LowerCompoundAssignment(compound);
                break;
            case IExpressionStatementOperation { Operation: IIncrementOrDecrementOperation increment }:
                Reject(RejectionKind.Mutation, increment.Syntax, increment.Syntax.ToString(), DescribeTarget(increment.Target));
                break;
            case IReturnOperation { ReturnedValue: { } value }:
                _result = Expression(value, 0);
                break;
            case IBlockOperation nested:
                LowerBlock(nested, depth + 1);
                break;
            case IEmptyOperation:
                break;
            case IInvalidOperation:
                Reject(RejectionKind.DoesNotCompile, statement.Syntax);
                break;
            default:
                Reject(RejectionKind.UnsupportedConstruct, statement.Syntax, Describe(statement));
                break;
        }
    }

    private void LowerCompoundAssignment(ICompoundAssignmentOperation compound)
    {
        if (compound.OperatorMethod is { } method && method.Name.EndsWith("Assignment", StringComparison.Ordinal))
        {
            // C# 14 user-defined compound assignment (Tensor's +=) writes into the tensor it is applied to.
            Reject(RejectionKind.Mutation, compound.Syntax, compound.Syntax.ToString(), DescribeTarget(compound.Target) + " in place");
            return;
        }
        if (CheckAssignmentTarget(compound.Target, compound.Syntax) is not { } local) return;
        var op = compound.OperatorMethod is { } tensorOperator
            ? (Symbols.IsTensorStaticMember(tensorOperator) ? OpCatalog.ForBinary(compound.OperatorKind, tensorOperator.Name) : null)
            : OpCatalog.ForBinary(compound.OperatorKind, null);
        if (op is null)
        {
            RejectOperator(compound.Syntax, compound.OperatorKind, compound.Target, compound.Value);
            return;
        }
        var left = Expression(compound.Target, 0);
        var right = Expression(compound.Value, 0);
        Bind(local, Emit(op.Value, compound.Syntax, compound.Type, left, right));
    }

    private ILocalSymbol? CheckAssignmentTarget(IOperation target, SyntaxNode syntax)
    {
        if (target is ILocalReferenceOperation local) return local.Local;
        if (target is IParameterReferenceOperation or IArrayElementReferenceOperation or IPropertyReferenceOperation { Property.IsIndexer: true } or IFieldReferenceOperation)
        {
            Reject(RejectionKind.Mutation, syntax, syntax.ToString(), DescribeTarget(target));
        }
        else
        {
            Reject(RejectionKind.UnsupportedConstruct, syntax, "an assignment to " + target.Syntax);
        }
        return null;
    }

    private static string DescribeTarget(IOperation target) => target switch
    {
        IParameterReferenceOperation p => "parameter '" + p.Parameter.Name + "'",
        IArrayElementReferenceOperation or IPropertyReferenceOperation { Property.IsIndexer: true } => "an element of '" + ((target as IArrayElementReferenceOperation)?.ArrayReference ?? ((IPropertyReferenceOperation)target).Instance)?.Syntax + "'",
        IFieldReferenceOperation f => "field '" + f.Field.Name + "'",
        ILocalReferenceOperation l => "local '" + l.Local.Name + "'",
        _ => "'" + target.Syntax + "'",
    };

    private void Bind(ILocalSymbol local, int id)
    {
        if (id < 0) return;
        _locals[local] = id;
        var instruction = _instructions[id];
        if (instruction.Name is null && instruction.Op != OpKind.Constant)
        {
            var name = EscapeIdentifier(local.Name);
            _nameUses.TryGetValue(name, out var uses);
            _nameUses[name] = uses + 1;
            instruction.Name = uses == 0 ? name : name + "_" + uses.ToString(CultureInfo.InvariantCulture);
        }
    }

    // ── expressions ──────────────────────────────────────────────────────────────────────

    /// <summary>Lowers an expression to a value id, or -1 after recording a rejection.</summary>
    private int Expression(IOperation operation, int depth)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        if (depth > MaxDepth && operation is not (IParameterReferenceOperation or ILocalReferenceOperation or ILiteralOperation))
        {
            if (_tooDeep) return -1; // one diagnostic for an over-deep expression, not one per branch
            _tooDeep = true;
            Reject(RejectionKind.UnsupportedConstruct, operation.Syntax, "an expression nested more than " + MaxDepth + " levels deep (split it into local variables)");
            return -1;
        }
        if (operation.ConstantValue is { HasValue: true, Value: { } constant } && Symbols.Classify(operation.Type).Kind == ValueKind.Scalar)
        {
            return Constant(constant, Symbols.Classify(operation.Type));
        }
        if (operation is IInvalidOperation || operation.Type is { TypeKind: TypeKind.Error })
        {
            Reject(RejectionKind.DoesNotCompile, operation.Syntax);
            return -1;
        }
        switch (operation)
        {
            case IParameterReferenceOperation parameter when SymbolEqualityComparer.Default.Equals(parameter.Parameter.ContainingSymbol, _method):
                return _parameters[parameter.Parameter.Ordinal];
            case ILocalReferenceOperation local:
                if (_locals.TryGetValue(local.Local, out var id)) return id;
                // Usually its assignment was rejected already: one diagnostic for one mistake.
                if (_rejections.Count == 0) Reject(RejectionKind.UnsupportedConstruct, local.Syntax, "reading local '" + local.Local.Name + "' where it has no value GradGen can follow");
                return -1;
            case IConversionOperation conversion:
                return Conversion(conversion, depth);
            case IBinaryOperation binary:
                return Binary(binary, depth);
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Plus, OperatorMethod: null } plus:
                return Expression(plus.Operand, depth + 1);
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Minus } minus when minus.OperatorMethod is null || OpCatalog.IsTensorOperator(minus.OperatorMethod):
                return Emit(OpKind.Negate, minus.Syntax, minus.Type, Expression(minus.Operand, depth + 1));
            case IInvocationOperation invocation:
                return Invocation(invocation, depth);
            case IParenthesizedOperation parenthesized:
                return Expression(parenthesized.Operand, depth);
            default:
                Reject(RejectionKind.UnsupportedConstruct, operation.Syntax, Describe(operation));
                return -1;
        }
    }

    private int Constant(object value, Model.ValueType type)
    {
        double number;
        try
        {
            number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
        {
            return -1;
        }
        var text = double.IsNaN(number) ? (type.Element == ElementType.Float ? "float.NaN" : "double.NaN")
            : double.IsPositiveInfinity(number) ? (type.Element == ElementType.Float ? "float.PositiveInfinity" : "double.PositiveInfinity")
            : double.IsNegativeInfinity(number) ? (type.Element == ElementType.Float ? "float.NegativeInfinity" : "double.NegativeInfinity")
            : type.Element == ElementType.Float ? ((float)number).ToString("R", CultureInfo.InvariantCulture) + "f"
            : number.ToString("R", CultureInfo.InvariantCulture) + "d";
        return Add(new Builder { Op = OpKind.Constant, Type = type, Constant = text, Name = text });
    }

    private int Conversion(IConversionOperation conversion, int depth)
    {
        var target = Symbols.Classify(conversion.Type);
        var source = Symbols.Classify(conversion.Operand.Type);
        if (conversion.Conversion.IsIdentity || (target.Kind == source.Kind && target.Element == source.Element && target.Kind != ValueKind.Passive))
        {
            return Expression(conversion.Operand, depth + 1);
        }
        if (target.Kind == ValueKind.Scalar && conversion.Conversion.IsNumeric && conversion.OperatorMethod is null)
        {
            var operand = Expression(conversion.Operand, depth + 1);
            return Emit(OpKind.Convert, conversion.Syntax, conversion.Type, operand);
        }
        if (source.IsDifferentiable && !target.IsDifferentiable)
        {
            Reject(RejectionKind.NonDifferentiableOperation, conversion.Syntax, "the conversion '" + conversion.Syntax + "' to " + conversion.Type?.ToDisplayString());
            return -1;
        }
        Reject(RejectionKind.UnsupportedConstruct, conversion.Syntax, "the conversion '" + conversion.Syntax + "'");
        return -1;
    }

    private int Binary(IBinaryOperation binary, int depth)
    {
        var op = binary.OperatorMethod is { } method
            ? (Symbols.IsTensorStaticMember(method) ? OpCatalog.ForBinary(binary.OperatorKind, method.Name) : null)
            : OpCatalog.ForBinary(binary.OperatorKind, null);
        if (op is null)
        {
            RejectOperator(binary.Syntax, binary.OperatorKind, binary.LeftOperand, binary.RightOperand);
            return -1;
        }
        var left = Expression(binary.LeftOperand, depth + 1);
        var right = Expression(binary.RightOperand, depth + 1);
        return Emit(op.Value, binary.Syntax, binary.Type, left, right);
    }

    private void RejectOperator(SyntaxNode syntax, BinaryOperatorKind kind, IOperation left, IOperation right)
    {
        var differentiableOperand = Symbols.Classify(left.Type).IsDifferentiable || Symbols.Classify(right.Type).IsDifferentiable;
        var isPiecewise = kind is BinaryOperatorKind.Remainder or BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals
            or BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual or BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual;
        if (differentiableOperand && isPiecewise)
        {
            Reject(RejectionKind.NonDifferentiableOperation, syntax, "the " + (kind == BinaryOperatorKind.Remainder ? "remainder" : "comparison") + " '" + syntax + "'");
        }
        else
        {
            Reject(RejectionKind.UnsupportedConstruct, syntax, "the operator in '" + syntax + "'");
        }
    }

    private int Invocation(IInvocationOperation invocation, int depth)
    {
        var method = invocation.TargetMethod;
        if (OpCatalog.ForMethod(method) is { } op)
        {
            var operands = new int[invocation.Arguments.Length];
            for (var i = 0; i < operands.Length; i++) operands[i] = Expression(invocation.Arguments[i].Value, depth + 1);
            return Emit(op, invocation.Syntax, invocation.Type, operands);
        }
        if (OpCatalog.IsPiecewiseConstant(method))
        {
            Reject(RejectionKind.NonDifferentiableOperation, invocation.Syntax, "'" + method.ContainingType.Name + "." + method.Name + "'");
            return -1;
        }
        if (Symbols.HasAttribute(method, Symbols.DifferentiableAttribute))
        {
            return Call(invocation, depth);
        }
        if (OpCatalog.IsOpsMember(method))
        {
            Reject(RejectionKind.UnsupportedConstruct, invocation.Syntax, "'Ops." + method.Name + "' (it is not a differentiable op)");
            return -1;
        }
        var wayOut = method.MethodKind == MethodKind.DelegateInvoke
            ? "call a [Differentiable] method directly instead of through a delegate"
            : method.DeclaringSyntaxReferences.Length > 0
                ? "mark it [Differentiable] if its body is differentiable, or compute its result outside and pass it in as a [NoGradient] parameter"
                : "compute its result outside and pass it in as a [NoGradient] parameter, or write it with GradGen ops in a [Differentiable] method";
        Reject(RejectionKind.NotDifferentiableCall, invocation.Syntax, method.ContainingType?.Name + "." + method.Name, wayOut);
        return -1;
    }

    private int Call(IInvocationOperation invocation, int depth)
    {
        var callee = invocation.TargetMethod.OriginalDefinition;
        var syntax = invocation.Syntax;
        if (callee.DeclaringSyntaxReferences.IsEmpty || callee.DeclaringSyntaxReferences.Any(r => !_compilation.ContainsSyntaxTree(r.SyntaxTree)))
        {
            Reject(RejectionKind.UnsupportedConstruct, syntax, "a call to '" + callee.Name + "', a [Differentiable] method of another assembly (chaining across assemblies is not supported yet; copy it into this project or pass its result in as a [NoGradient] parameter)");
            return -1;
        }
        if (callee.IsGenericMethod || !callee.IsStatic && invocation.Instance is not IInstanceReferenceOperation)
        {
            Reject(RejectionKind.UnsupportedConstruct, syntax, "a call to '" + callee.Name + "' " + (callee.IsGenericMethod ? "(a generic method)" : "on another instance (only static methods, or methods of this instance, can be chained)"));
            return -1;
        }

        var operands = new int[invocation.Arguments.Length];
        for (var i = 0; i < operands.Length; i++)
        {
            var argument = invocation.Arguments[i];
            if (argument.ArgumentKind == ArgumentKind.ParamArray || argument.Parameter?.RefKind is not (null or RefKind.None))
            {
                Reject(RejectionKind.UnsupportedConstruct, argument.Syntax, "a params or by-reference argument");
                return -1;
            }
            operands[i] = Expression(argument.Value, depth + 1);
        }
        // Whether the callee's own backward exists (it is accepted, and no recursion) is decided on the call graph in Lower.
        _calls.Add((callee, syntax));
        var receiver = callee.IsStatic ? callee.ContainingType.ToDisplayString(Symbols.Qualified) : "this";
        var target = new CallTarget(
            receiver,
            callee.Name,
            callee.Parameters.Select(IsDifferentiable).ToEquatableArray(),
            callee.ContainingType.ToDisplayString(Symbols.Qualified) + "." + callee.Name + Naming.TapeSuffix);
        return Emit(OpKind.Call, syntax, invocation.Type, operands, target);
    }

    private int Emit(OpKind op, SyntaxNode syntax, ITypeSymbol? resultType, params int[] operands) => Emit(op, syntax, resultType, operands, null);

    private int Emit(OpKind op, SyntaxNode syntax, ITypeSymbol? resultType, int[] operands, CallTarget? callee)
    {
        if (operands.Any(o => o < 0)) return -1;
        var type = Symbols.Classify(resultType);
        if (op != OpKind.Call)
        {
            var signature = new string(operands.Select(o => Rules.Letter(_instructions[o].Type.Kind)).ToArray());
            if (Rules.Find(op, signature) is null || type.Kind == ValueKind.Passive)
            {
                Reject(RejectionKind.UnsupportedConstruct, syntax, "'" + syntax + "' with these operand types");
                return -1;
            }
        }
        return Add(new Builder { Op = op, Operands = operands, Type = type, Callee = callee });
    }

    private int Add(Builder builder)
    {
        _instructions.Add(builder);
        return _instructions.Count - 1;
    }

    // ── the model ────────────────────────────────────────────────────────────────────────

    private MethodModel BuildModel()
    {
        var names = new HashSet<string>(_instructions.Where(i => i.Name is not null && i.Op != OpKind.Constant).Select(i => i.Name!));
        names.UnionWith(_reserved);
        var temp = 0;
        string Fresh(string preferred)
        {
            var name = preferred;
            while (names.Contains(name)) name = "t" + (temp++).ToString(CultureInfo.InvariantCulture);
            names.Add(name);
            return name;
        }
        if (_instructions[_result].Name is null) _instructions[_result].Name = Fresh("result");
        foreach (var instruction in _instructions)
        {
            instruction.Name ??= Fresh("t" + temp.ToString(CultureInfo.InvariantCulture));
        }

        var instructions = _instructions.Select((b, i) => new Instruction(i, b.Op, b.Operands.ToEquatableArray(), b.Type, b.Name!, b.Constant, b.ParameterIndex, b.Callee));
        var parameters = _method.Parameters.Select(p => new ParameterModel(EscapeIdentifier(p.Name), Symbols.Classify(p.Type), IsDifferentiable(p)));
        var containing = new List<ContainingType>();
        for (var type = _method.ContainingType; type is not null; type = type.ContainingType)
        {
            containing.Insert(0, new ContainingType(Keyword(type), type.ToDisplayString(DeclaredType)));
        }
        var ns = _method.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString(Declared) : null;
        return new MethodModel(_method.GetDocumentationCommentId() ?? _method.ToDisplayString(), ns, containing.ToEquatableArray(), _method.Name, Accessibility(_method.DeclaredAccessibility), _method.IsStatic,
            parameters.ToEquatableArray(), Symbols.Classify(_method.ReturnType), instructions.ToEquatableArray(), _result);
    }

    /// <summary>Names as they are declared again in the generated file: keywords escaped (<c>@class</c>), type parameters kept.</summary>
    private static readonly SymbolDisplayFormat Declared = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

    private static readonly SymbolDisplayFormat DeclaredType = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameOnly,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

    private static string Keyword(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
        { IsRecord: true } => "record",
        { TypeKind: TypeKind.Struct } => "struct",
        { TypeKind: TypeKind.Interface } => "interface",
        _ => "class",
    };

    private static string Accessibility(Microsoft.CodeAnalysis.Accessibility accessibility) => accessibility switch
    {
        Microsoft.CodeAnalysis.Accessibility.Public => "public",
        Microsoft.CodeAnalysis.Accessibility.Internal => "internal",
        Microsoft.CodeAnalysis.Accessibility.Protected => "protected",
        Microsoft.CodeAnalysis.Accessibility.ProtectedOrInternal => "protected internal",
        Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal => "private protected",
        _ => "private",
    };

    private static string EscapeIdentifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary>A short human name for an unsupported operation, used in diagnostics.</summary>
    private static string Describe(IOperation operation)
    {
        if (operation is IExpressionStatementOperation statement) return Describe(statement.Operation);
        var what = operation switch
        {
            ILoopOperation => "a loop",
            IConditionalOperation { IsRef: false } c when c.Syntax is ConditionalExpressionSyntax => "a conditional expression (?:)",
            IConditionalOperation => "an if statement",
            ITryOperation => "a try statement",
            ILockOperation => "a lock statement",
            IUsingOperation => "a using statement",
            ISwitchOperation or ISwitchExpressionOperation => "a switch",
            IIsPatternOperation or IIsTypeOperation => "pattern matching",
            IAnonymousFunctionOperation or IDelegateCreationOperation => "a lambda",
            ILocalFunctionOperation => "a local function",
            IObjectCreationOperation or IArrayCreationOperation or IAnonymousObjectCreationOperation => "object creation (new)",
            IAwaitOperation => "await",
            IBranchOperation => "a goto, break or continue",
            ILabeledOperation => "a label (goto target)",
            IThrowOperation => "a throw",
            IFieldReferenceOperation f => "reading field '" + f.Field.Name + "' (pass it as a parameter)",
            IPropertyReferenceOperation p => "reading property '" + p.Property.Name + "' (pass it as a parameter)",
            IArrayElementReferenceOperation => "element access",
            IInstanceReferenceOperation => "'this'",
            IInterpolatedStringOperation or ILiteralOperation => "a literal of type '" + operation.Type?.ToDisplayString() + "'",
            IInvalidOperation => "code that does not compile",
            _ => "'" + operation.Kind + "'",
        };
        var text = operation.Syntax.ToString();
        if (text.Length > 60) text = text.Substring(0, 57) + "...";
        return what.StartsWith("'", StringComparison.Ordinal) ? "the expression '" + text + "'" : what;
    }
}
