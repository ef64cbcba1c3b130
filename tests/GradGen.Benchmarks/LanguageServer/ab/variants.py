# variants.py SRC OUT NAME... — for replay's `ab:` mode: copies of a variant's dumped sources SRC (DUMPDIR=…, the generated
# files renamed GradGen.Generators.DifferentiableGenerator.*.g.cs so GradGen's analyzer takes them for its own) with the generated
# files rewritten, one folder OUT/v-NAME per NAME; NAME may join rewrites with '+' (targs+nonamed). The rewrites need not keep
# the code's meaning (stubs), only its compile cost is measured. docs/performance.md, "Fourth pass".
import os, re, sys, shutil
HERE = os.path.dirname(os.path.abspath(__file__))
src, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
# (Since 919e61e the generated code calls the non-generic GradGen.Float32/Float64 forms; the shim* variants rewrite only the
# generic calls of dumps from a package before it, as the fourth pass measured them.)
GEN = r'(global::GradGen\.(?:Ops|Adjoint)\.\w+|global::GradGen\.Workspace\.Release)\('
def targs(t): return re.sub(GEN, r'\1<float>(', t)
def nonamed(t): return re.sub(r', overwrite: (true|false)\)', r', \1)', t)
def nullable_off(t): return t.replace('#nullable enable annotations\n#nullable disable warnings', '#nullable disable').replace('Tensor<float>?', 'Tensor<float>').replace('Workspace?', 'Workspace')
def usings(t):
    t = t.replace('global::GradGen.Ops.', 'Ops.').replace('global::GradGen.Adjoint.', 'Adjoint.').replace('global::GradGen.Workspace', 'Workspace').replace('global::System.Numerics.Tensors.Tensor<', 'Tensor<')
    return t.replace('namespace Scale\n{', 'namespace Scale\n{\n    using System.Numerics.Tensors;\n    using Ops = global::GradGen.Ops;\n    using Adjoint = global::GradGen.Adjoint;\n    using Workspace = global::GradGen.Workspace;', 1)
def nodocs(t): return '\n'.join(l for l in t.split('\n') if not l.lstrip().startswith('///'))
def notuple(t):
    # drop the tuple-returning Backward form (the last method of each file)
    i = t.rfind('        /// <summary>The value of ')
    if i < 0: return t
    j = t.rfind('    }\n}')
    return t[:i] + t[j:]
def nocrefs(t): return re.sub('<(see cref|paramref name)="([^"]*)"/>', r'<c>\2</c>', t)
def noparams(t): return '\n'.join(l for l in t.split('\n') if not l.lstrip().startswith(('/// <param', '/// <returns', '/// <remarks')))
def plaindocs(t): return '\n'.join(l.replace('///', '//', 1) if l.lstrip().startswith('///') else l for l in t.split('\n'))
def stub(t, header, body):
    lines = t.split('\n'); out = []; i = 0
    while i < len(lines):
        out.append(lines[i])
        if header(lines[i]) and i + 1 < len(lines) and lines[i + 1] == '        {':
            out.append('        {'); out.append(body); j = i + 2
            while lines[j] != '        }': j += 1
            out.append('        }'); i = j + 1; continue
        i += 1
    return '\n'.join(out)
def stubpullback(t): return stub(t, lambda l: 'Pullback(in ' in l, '            return;')
def stubforward(t): return stub(t, lambda l: 'Forward(' in l and l.lstrip().startswith('public static'), '            tape = default; return default;')
def stubforms(t): return stub(t, lambda l: 'Backward(' in l and l.lstrip().startswith('public static'), '            throw null;')
def shim(t): return t.replace('global::GradGen.Adjoint.', 'global::Scale.AdjointF.').replace('global::GradGen.Ops.', 'global::Scale.OpsF.').replace('global::GradGen.Workspace.Release(', 'global::Scale.WorkspaceF.Release(')
def shimctl(t): return t  # the control of shim: the same sources plus the unused facade
def shimg(t): return t.replace('global::GradGen.Adjoint.', 'global::Scale.AdjointG<float>.').replace('global::GradGen.Ops.', 'global::Scale.OpsG<float>.').replace('global::GradGen.Workspace.Release(', 'global::Scale.WorkspaceG<float>.Release(')
def shimm(t): return t.replace('global::GradGen.Adjoint.', 'global::Scale.AdjointM.').replace('global::GradGen.Ops.', 'global::Scale.OpsM.').replace('global::GradGen.Workspace.Release(', 'global::Scale.WorkspaceM.Release(')
def releaseobj(t): return t.replace('global::GradGen.Workspace.Release(', 'global::Scale.ReleaseO.Release(')
def notapefields(t): return re.sub(r'(public struct \w+Tape\n        \{\n)(?:            internal [^\n]*\n)+', r'\1', t)
F = dict(notapefields=notapefields, releaseobj=releaseobj, shimg=shimg, shimm=shimm, stubpullback=stubpullback, stubforward=stubforward, stubforms=stubforms, shim=shim, shimctl=shimctl, nocrefs=nocrefs, noparams=noparams, plaindocs=plaindocs, targs=targs, nonamed=nonamed, nullableoff=nullable_off, usings=usings, nodocs=nodocs, notuple=notuple)
for name in names:
    d = os.path.join(out, 'v-' + name); shutil.rmtree(d, ignore_errors=True); os.makedirs(d)
    for f in os.listdir(src):
        t = open(os.path.join(src, f)).read()
        if f.startswith('GradGen.Generators.'):
            for part in name.split('+'): t = F[part](t)
        open(os.path.join(d, f), 'w').write(t)
    if name in ('shim', 'shimctl'): shutil.copy(os.path.join(HERE, 'facade-float.cs'), os.path.join(d, 'Shim.cs'))
    if name == 'shimg': shutil.copy(os.path.join(HERE, 'facade-generic-class.cs'), os.path.join(d, 'Shim.cs'))
    if name == 'releaseobj': shutil.copy(os.path.join(HERE, 'facade-release.cs'), os.path.join(d, 'Shim.cs'))
    if name == 'shimm': shutil.copy(os.path.join(HERE, 'facade-generic-methods.cs'), os.path.join(d, 'Shim.cs'))
