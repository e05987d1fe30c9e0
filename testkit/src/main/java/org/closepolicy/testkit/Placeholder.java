package org.closepolicy.testkit; final class Placeholder {}
