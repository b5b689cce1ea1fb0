"""A small PDF that keeps poppler busy for minutes: a form that draws
another REPS times, DEPTH deep (poppler bounds nesting, not repetition).
For the reader's time bound (docs/READERS.md, "Time and memory").
usage: bomb.py DEPTH REPS > bomb.pdf"""
import sys
depth=int(sys.argv[1]); reps=int(sys.argv[2])
objs={}
objs[1]=b"<< /Type /Catalog /Pages 2 0 R >>"
objs[2]=b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
objs[4]=b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
# forms 10..10+depth-1; form k draws form k+1 reps times; last draws text
first=10
def stream(d, content):
    return b"<< " + d + b" /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
for k in range(depth):
    n=first+k
    if k==depth-1:
        c=b"BT /F1 12 Tf 10 10 Td (loop) Tj ET"
        res=b"/Resources << /Font << /F1 4 0 R >> >>"
    else:
        c=b" ".join([b"q /X Do Q"]*reps)
        res=b"/Resources << /XObject << /X %d 0 R >> >>" % (n+1)
    objs[n]=stream(b"/Type /XObject /Subtype /Form /BBox [0 0 100 100] "+res, c)
objs[5]=stream(b"", b" ".join([b"q /X Do Q"]*reps))
objs[3]=b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 5 0 R /Resources << /XObject << /X %d 0 R >> >> >>" % first
out=b"%PDF-1.4\n"
offs={}
for n in sorted(objs):
    offs[n]=len(out)
    out+=b"%d 0 obj\n" % n + objs[n] + b"\nendobj\n"
mx=max(objs)
x=len(out)
out+=b"xref\n0 %d\n0000000000 65535 f \n" % (mx+1)
for n in range(1,mx+1):
    out+=(b"%010d 00000 n \n" % offs[n]) if n in offs else b"0000000000 65535 f \n"
out+=b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (mx+1, x)
sys.stdout.buffer.write(out)
