# Function calls: naive recursive Fibonacci, about 1.3 million calls.
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def main():
    print(fib(30))


main()
