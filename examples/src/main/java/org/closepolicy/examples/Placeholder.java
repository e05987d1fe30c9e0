package org.closepolicy.examples; final class Placeholder {}
